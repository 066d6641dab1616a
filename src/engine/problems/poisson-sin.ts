import file from '../../../problems/poisson-sin.json';
import { dimensional } from './from-file';

/**
 * He et al.'s Poisson problem (the Stein-estimator paper): Δu = −sin(Σ xᵢ) on [0, 1]^d,
 * u = sin(Σ xᵢ)/d on the boundary: compiled from problems/poisson-sin.json with d = dim.
 */
export const poissonSin = dimensional(file, 'problems/poisson-sin.json');
