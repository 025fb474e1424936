/**
 * A page that fails while drawing shows what went wrong in words and a way on, never a blank
 * page; the rest of the dashboard (header, navigation) keeps working.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

type Props = { children: ReactNode; resetKey: string };
type State = { error: Error | null; key: string };

export class PageErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    // Another page: try again.
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('the page failed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="problem" role="alert">
        <strong>This page could not be shown:</strong> {this.state.error.message || String(this.state.error)}.{' '}
        <button type="button" className="link-button" onClick={() => window.location.reload()}>
          Reload the page
        </button>{' '}
        or <a href="/">go to the bug board</a>.
      </div>
    );
  }
}
