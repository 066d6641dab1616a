import { ballProblem } from './ball-bodies';

/** allen-cahn on the unit ball with the three-body exact solution (STDE paper; see ball-bodies.ts). Default d = 1000. */
export const allenCahnThreebody = ballProblem('allen-cahn', 'three', 1000);
