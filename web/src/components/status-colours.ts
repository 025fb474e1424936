/**
 * SEED.md's badge colours (their names come from STATUS_INFO in src/features/bugs/bug-statuses.ts,
 * the same list the API validates statuses against) as background and text colours with readable
 * contrast.
 */
import { STATUS_INFO, type BugStatus } from '../../../src/features/bugs/bug-statuses.ts';

export const PALETTE: Record<string, { background: string; text: string }> = {
  grey: { background: '#e5e7eb', text: '#374151' },
  blue: { background: '#dbeafe', text: '#1e40af' },
  purple: { background: '#f3e8ff', text: '#6b21a8' },
  indigo: { background: '#e0e7ff', text: '#3730a3' },
  cyan: { background: '#cffafe', text: '#155e75' },
  yellow: { background: '#fef9c3', text: '#854d0e' },
  green: { background: '#dcfce7', text: '#166534' },
  teal: { background: '#ccfbf1', text: '#115e59' },
  emerald: { background: '#d1fae5', text: '#065f46' },
  red: { background: '#fee2e2', text: '#991b1b' },
};

export function statusColours(status: BugStatus): { name: string; background: string; text: string } {
  const name = STATUS_INFO[status].colour;
  const colours = PALETTE[name] ?? PALETTE.grey!;
  return { name, ...colours };
}
