import file from '../../../problems/heat-ball.json';
import { dimensional } from './from-file';

/**
 * He et al.'s heat problem (the Stein-estimator paper): u_t = Δu on the unit ball in d
 * dimensions × t in [0, 1], u = |x|²/(2d) + t on the sphere and at t = 0; inputs (x, t), time
 * last, the Laplacian over the d space axes, interior points uniform in the ball (domain kind
 * 'ball-time'): compiled from problems/heat-ball.json with d = dim.
 */
export const heatBall = dimensional(file, 'problems/heat-ball.json');
