/**
 * "Open a problem file": the button by the problem chooser (a file picker for one .json and its
 * .csv data files), the panel saying what opening gave (the exact-solution check, or the
 * compiler's message with its caret), and a drop zone over the whole page. The work is in
 * problem-files.ts.
 */
import { useEffect, useRef, useState } from 'react';
import { openProblemFiles, useProblemFiles, type OpenedProblem } from './problem-files';

const ACCEPT = '.json,.csv,application/json,text/csv';

/** The button (a real button; the file input it opens is hidden from the tab order). */
export function OpenProblemButton() {
  const input = useRef<HTMLInputElement>(null);
  const busy = useProblemFiles((s) => s.busy);
  return (
    <span className="open-problem">
      <button
        type="button"
        data-testid="open-problem"
        disabled={busy}
        aria-describedby="open-problem-help"
        title="A problem file (JSON: equations, conditions, domain) and the CSV data files it names; or drop them anywhere on the page"
        onClick={() => input.current?.click()}
      >
        Open a problem file…
      </button>
      <span id="open-problem-help" hidden>
        Choose one problem file (.json) and the data files (.csv) it names. Files can also be dropped anywhere on the page.
      </span>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        multiple
        hidden
        data-testid="problem-file-input"
        onChange={(e) => {
          const el = e.currentTarget;
          const files = [...(el.files ?? [])];
          // the same file chosen again (after an edit) is a change too
          el.value = '';
          if (files.length) void openProblemFiles(files);
        }}
      />
    </span>
  );
}

const exp = (v: number) => (v === 0 ? '0' : v.toExponential(1));

/** What the exact-solution check found, in a line or two. */
function CheckText({ opened }: { opened: OpenedProblem }) {
  const { check } = opened;
  if (check.error) return <>The exact-solution check could not run: {check.error}</>;
  if (!check.checks) return <>No exact solution in the file: nothing to check{opened.measured ? ' (the error is measured against its reference table)' : ', and the L2 error is not measured'}.</>;
  return (
    <>
      {check.ok ? 'Exact solution checked: it satisfies every term' : 'Exact solution checked: it does NOT satisfy every term (check the equation, the condition or the exact expression)'}. Largest residual per term:{' '}
      {check.checks.map((c, i) => (
        <span key={c.name} className={c.pass ? undefined : 'fails'}>
          {i > 0 && ' · '}
          {c.name} {exp(c.largest)}
          {!c.pass && ' (fails)'}
        </span>
      ))}
      {check.skipped.length > 0 && `; not checked: ${check.skipped.join('; ')}`}.
    </>
  );
}

/** The last attempt's outcome: a polite live region for success, an alert with the full message for an error. */
export function ProblemFilePanel() {
  const { busy, result, dismiss } = useProblemFiles();
  const opened = result?.kind === 'opened' ? result.opened : null;
  return (
    <>
      <div role="status" aria-live="polite" data-testid="problem-file-status" className={opened ? 'notice opened' : undefined}>
        {busy && 'Reading the files…'}
        {opened && (
          <>
            <b>{opened.replaced ? 'Reopened' : 'Opened'} {opened.title}</b> ({opened.id}, from {opened.file}
            {opened.dataFiles.length > 0 && ` with ${opened.dataFiles.join(', ')}`}; {opened.terms} loss term{opened.terms === 1 ? '' : 's'}): selected below, press Play to train it.{' '}
            <span data-testid="problem-file-check" className={opened.check.ok ? 'ok' : 'fails'}>
              <CheckText opened={opened} />
            </span>{' '}
            <button type="button" className="small" onClick={dismiss}>
              Dismiss
            </button>
          </>
        )}
      </div>
      {result?.kind === 'error' && (
        <div className="error" role="alert" data-testid="problem-file-error">
          <p className="title">{result.title}</p>
          <pre className="message">{result.message}</pre>
          <p className="meta">Nothing was changed: the problem and the settings are as they were.</p>
          <button type="button" className="small" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

/** Whether a drag carries files (not text or a link from the page). */
const carriesFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');

/**
 * Files dragged over the page: an overlay says where they go, and dropping them opens them
 * (then `onDrop`, e.g. to show the Train view, where the outcome is shown).
 */
export function ProblemFileDrop({ onDrop }: { onDrop: () => void }) {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const dropped = useRef(onDrop);
  dropped.current = onDrop;
  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current += 1;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      // without this the browser opens the file in place of the app
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (!files.length) return;
      dropped.current();
      void openProblemFiles(files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return (
    <>
      <div className="visually-hidden" aria-live="assertive" data-testid="drop-announce">
        {dragging ? 'Drop a problem file (.json) and its data files (.csv) to open them in the Train view.' : ''}
      </div>
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <div className="drop-box">
            <b>Drop to open a problem</b>
            <span>a problem file (.json) and the data files (.csv) it names</span>
          </div>
        </div>
      )}
    </>
  );
}
