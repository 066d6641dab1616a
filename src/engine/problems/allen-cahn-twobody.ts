import { ballProblem } from './ball-bodies';

/** allen-cahn on the unit ball with the two-body exact solution (STDE paper; see ball-bodies.ts). Default d = 1000. */
export const allenCahnTwobody = ballProblem('allen-cahn', 'two', 1000);
