export {
  clientServerBound,
  clientServerBoundOfTotals,
  clientServerBoundSec,
  p2pBound,
  p2pBoundOfTotals,
  p2pBoundSec,
  type Bound,
  type BoundTerm,
  type ClientServerBound,
  type ClientServerInput,
  type ClientServerTerm,
  type P2pBound,
  type P2pInput,
  type SwarmTotals,
} from './bounds';
export { boundCurve, type BoundCurveInput, type BoundCurvePoint } from './bound-curve';
export { chunkedP2pOptimumSec, type ChunkedP2pOptimumInput } from './chunked-optimum';
export { TheoryInputError } from './errors';
export { parseByteQuantity, type ByteQuantityKind, type ByteQuantityResult } from './byte-quantity';
export { joinNegativeValues } from './negative-values';
export { parseArgsMessage } from './parse-args-message';
export { repeatedFlag } from './repeated-flag';
export { THOUSANDS_SEPARATED_COUNT, thousandsSeparatedRun, thousandsSeparatorsMessage } from './thousands-separators';
