import { ballProblem } from './ball-bodies';

/** sine-gordon on the unit ball with the two-body exact solution (STDE paper; see ball-bodies.ts). Default d = 1000. */
export const sineGordonTwobody = ballProblem('sine-gordon', 'two', 1000);
