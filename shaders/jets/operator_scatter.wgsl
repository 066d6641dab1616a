// operatorScatter: the adjoint of operatorGather (operator_gather.wgsl), seeding the slot jets' backward.
// Row r = b * COUNT + p of row block b, which feeds loss block j = rowBlock[b][0] (and, for a plain
// derivative under the unbiased loss, also rowBlock[b][1], its copy for the second half; else NONE):
//   kind 0: adj[r][k] = Σ_j blocksAdj[j][p][k] for k < WIDTH, else 0;
//   kind 1: adj[r][k] = weight[r] · blocksAdj[j][p][0] at k = read[r], else 0.
// Buffers: blocksAdj [J * CHUNK] (f32), read [ROWS] (u32), weight [ROWS] (f32),
// info [J][3] then rowBlock [ROWS / COUNT][2] (u32), adj [ROWS][N1] (f32, written).

const N1 : u32 = {{N1}}u;
const COUNT : u32 = {{COUNT}}u;
const ROWS : u32 = {{ROWS}}u;
const J : u32 = {{J}}u;
const WIDTH : u32 = {{WIDTH}}u;
const CHUNK : u32 = {{CHUNK}}u;
const NONE : u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read> blocksAdj : array<f32>;
@group(0) @binding(1) var<storage, read> readAt : array<u32>;
@group(0) @binding(2) var<storage, read> weight : array<f32>;
@group(0) @binding(3) var<storage, read> info : array<u32>;
@group(0) @binding(4) var<storage, read_write> adj : array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let r = gid.x + gid.y * nwg.x * 64u;
  if (r >= ROWS) { return; }
  let p = r % COUNT;
  let j = info[3u * J + 2u * (r / COUNT)];
  let j2 = info[3u * J + 2u * (r / COUNT) + 1u];
  let src = j * CHUNK + p * WIDTH;
  if (info[3u * j + 2u] == 0u) {
    for (var k = 0u; k < N1; k++) {
      var a = 0.0;
      if (k < WIDTH) {
        a = blocksAdj[src + k];
        if (j2 != NONE) { a += blocksAdj[j2 * CHUNK + p * WIDTH + k]; }
      }
      adj[r * N1 + k] = a;
    }
    return;
  }
  let g = weight[r] * blocksAdj[src];
  let at = readAt[r];
  for (var k = 0u; k < N1; k++) { adj[r * N1 + k] = select(0.0, g, k == at); }
}
