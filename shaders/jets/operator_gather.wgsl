// operatorGather: an operator term's loss blocks from its slot-jet rows (src/engine/train/operator-rows.ts).
// Loss block j (the packed layout the loss kernel reads: block j at j * CHUNK, point p's row of
// WIDTH coefficients at p * WIDTH) takes row blocks start_j .. start_j + n_j − 1 (info[3j..3j+2] =
// start, n, kind; under the unbiased loss blocks J..2J−1 hold the estimates from the second half
// of the draws, and a plain derivative's copy):
//   kind 0 (a plain derivative, one row block): the row's coefficients c_0..c_{WIDTH−1} copied;
//   kind 1 (an operator): c_0 = Σ_rows weight[r] · jet[r][read[r]] (Σ_t c_t ∂^{α_t}u exactly, or
//   its estimate from drawn terms; weight includes 1 / C of the slot layout), the rest 0.
// Buffers: jet [ROWS][N1] (the network's slot jets), read [ROWS] (u32), weight [ROWS] (f32),
// info [J][3] (u32), blocks [J * CHUNK] (f32, written).

const N1 : u32 = {{N1}}u;
const COUNT : u32 = {{COUNT}}u;
const J : u32 = {{J}}u;
const WIDTH : u32 = {{WIDTH}}u;
const CHUNK : u32 = {{CHUNK}}u;

@group(0) @binding(0) var<storage, read> jet : array<f32>;
@group(0) @binding(1) var<storage, read> readAt : array<u32>;
@group(0) @binding(2) var<storage, read> weight : array<f32>;
@group(0) @binding(3) var<storage, read> info : array<u32>;
@group(0) @binding(4) var<storage, read_write> blocks : array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= J * COUNT) { return; }
  let j = i / COUNT;
  let p = i % COUNT;
  let start = info[3u * j];
  let n = info[3u * j + 1u];
  let out = j * CHUNK + p * WIDTH;
  if (info[3u * j + 2u] == 0u) {
    let r = start * COUNT + p;
    for (var k = 0u; k < WIDTH; k++) { blocks[out + k] = jet[r * N1 + k]; }
    return;
  }
  var s = 0.0;
  for (var b = 0u; b < n; b++) {
    let r = (start + b) * COUNT + p;
    s += weight[r] * jet[r * N1 + readAt[r]];
  }
  blocks[out] = s;
  for (var k = 1u; k < WIDTH; k++) { blocks[out + k] = 0.0; }
}
