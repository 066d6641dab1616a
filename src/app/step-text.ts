/**
 * The status line's step: "step 30 of 50" during Adam; past it, the quasi-Newton phases'
 * iterations are counted on from Adam's last step, so say so instead of "step 54 of 50".
 */
export function stepText(step: number, adamSteps: number, lbfgs: number, lm: number): string {
  if (step <= adamSteps) return `step ${step} of ${adamSteps}`;
  const phases = [lbfgs > 0 ? 'L-BFGS' : '', lm > 0 ? 'Levenberg–Marquardt' : ''].filter(Boolean).join(' then ');
  return `step ${step}: Adam’s ${adamSteps} steps, then ${phases} iteration ${step - adamSteps} of ${lbfgs + lm}`;
}

