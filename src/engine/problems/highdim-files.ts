/**
 * The high-dimensional problems the playground ships (trained by src/engine/highdim with
 * sparse STDE): problem files (problems/*.json) compiled by src/engine/equations/highdim-file.ts
 * with their sums kept as loops, each a function of the dimension d. HJB-LQG has no closed
 * form; its module adds the Cole–Hopf reference (./hjb-lqg.ts).
 */
import { highDimFromFile } from '../equations/highdim-file';
import poissonTwobodyFile from '../../../problems/poisson-twobody.json';
import allenCahnTwobodyFile from '../../../problems/allen-cahn-twobody.json';
import sineGordonTwobodyFile from '../../../problems/sine-gordon-twobody.json';
import poissonThreebodyFile from '../../../problems/poisson-threebody.json';
import allenCahnThreebodyFile from '../../../problems/allen-cahn-threebody.json';
import sineGordonThreebodyFile from '../../../problems/sine-gordon-threebody.json';
import hjbLinFile from '../../../problems/hjb-lin.json';
import bsbFile from '../../../problems/bsb.json';
import waveSinhFile from '../../../problems/wave-sinh.json';

export const poissonTwobody = highDimFromFile(poissonTwobodyFile, 'problems/poisson-twobody.json');
export const allenCahnTwobody = highDimFromFile(allenCahnTwobodyFile, 'problems/allen-cahn-twobody.json');
export const sineGordonTwobody = highDimFromFile(sineGordonTwobodyFile, 'problems/sine-gordon-twobody.json');
export const poissonThreebody = highDimFromFile(poissonThreebodyFile, 'problems/poisson-threebody.json');
export const allenCahnThreebody = highDimFromFile(allenCahnThreebodyFile, 'problems/allen-cahn-threebody.json');
export const sineGordonThreebody = highDimFromFile(sineGordonThreebodyFile, 'problems/sine-gordon-threebody.json');
export const hjbLin = highDimFromFile(hjbLinFile, 'problems/hjb-lin.json');
export const bsb = highDimFromFile(bsbFile, 'problems/bsb.json');
export const waveSinh = highDimFromFile(waveSinhFile, 'problems/wave-sinh.json');
