import { ballProblem } from './ball-bodies';

/** poisson on the unit ball with the two-body exact solution (STDE paper; see ball-bodies.ts). Default d = 1000. */
export const poissonTwobody = ballProblem('poisson', 'two', 1000);
