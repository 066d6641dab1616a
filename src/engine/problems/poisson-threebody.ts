import { ballProblem } from './ball-bodies';

/** poisson on the unit ball with the three-body exact solution (STDE paper; see ball-bodies.ts). Default d = 1000. */
export const poissonThreebody = ballProblem('poisson', 'three', 1000);
