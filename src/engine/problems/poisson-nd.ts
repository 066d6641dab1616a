import file from '../../../problems/poisson-nd.json';
import { dimensional } from './from-file';

/**
 * PINNacle's d-dimensional Poisson problem: −Δu = (π²/4) Σ sin(π x_i / 2) on [0, 1]^d,
 * u = Σ sin(π x_i / 2) on the boundary: compiled from problems/poisson-nd.json with d = dim.
 */
export const poissonNd = dimensional(file, 'problems/poisson-nd.json');
