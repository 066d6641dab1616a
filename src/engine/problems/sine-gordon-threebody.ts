import { ballProblem } from './ball-bodies';

/** sine-gordon on the unit ball with the three-body exact solution (STDE paper; see ball-bodies.ts). Default d = 1000. */
export const sineGordonThreebody = ballProblem('sine-gordon', 'three', 1000);
