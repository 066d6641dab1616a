/**
 * The one place the app sets HTML from a string (ESLint forbids it everywhere else): an
 * equation's TeX typeset as MathML by ./tex.ts, which escapes every piece of text it prints
 * (&, <, >) and builds the markup itself, so no input reaches the page as markup.
 */
import { texToMathML } from './tex';

export function MathML({ tex, className, testId }: { tex: string; className?: string; testId?: string }) {
  return <span className={className} data-testid={testId} dangerouslySetInnerHTML={{ __html: texToMathML(tex) }} />;
}
