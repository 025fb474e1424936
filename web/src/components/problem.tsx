import { ApiProblem } from '../api/client.ts';

/** An API error in plain words (never a blank page). */
export function ProblemNote({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const problem = error instanceof ApiProblem ? error : null;
  const message = problem ? problem.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="problem" role="alert">
      {prefix ? <strong>{prefix} </strong> : null}
      {message}
      {problem?.errors.length ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.path}>
              {e.path}: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}
