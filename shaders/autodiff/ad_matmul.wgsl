// adMatmul: C[M][N] = op(A) op(B) for the stacked-AD engine, op = transpose when TA / TB.
// A is [M][K] (or [K][M] when TA), B is [K][N] (or [N][K] when TB), all row-major,
// starting at element offsets aOff / bOff. 16x16 output tile per workgroup, K staged
// through workgroup memory in slices of 16.

const TA : u32 = {{TA}}u;
const TB : u32 = {{TB}}u;

struct Dims { m : u32, n : u32, k : u32, aOff : u32, bOff : u32, pad0 : u32, pad1 : u32, pad2 : u32 }

@group(0) @binding(0) var<storage, read> a : array<f32>;
@group(0) @binding(1) var<storage, read> b : array<f32>;
@group(0) @binding(2) var<storage, read_write> c : array<f32>;
@group(0) @binding(3) var<uniform> dims : Dims;

var<workgroup> aTile : array<f32, 256>;
var<workgroup> bTile : array<f32, 256>;

fn loadA(i : u32, kk : u32) -> f32 {
  if (i >= dims.m || kk >= dims.k) { return 0.0; }
  if (TA == 1u) { return a[dims.aOff + kk * dims.m + i]; }
  return a[dims.aOff + i * dims.k + kk];
}

fn loadB(kk : u32, j : u32) -> f32 {
  if (kk >= dims.k || j >= dims.n) { return 0.0; }
  if (TB == 1u) { return b[dims.bOff + j * dims.k + kk]; }
  return b[dims.bOff + kk * dims.n + j];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u) {
  let i = wid.y * 16u + lid.y;
  let j = wid.x * 16u + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < dims.k; k0 += 16u) {
    aTile[lid.y * 16u + lid.x] = loadA(i, k0 + lid.x);
    bTile[lid.y * 16u + lid.x] = loadB(k0 + lid.y, j);
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) { acc += aTile[lid.y * 16u + kk] * bTile[kk * 16u + lid.x]; }
    workgroupBarrier();
  }
  if (i < dims.m && j < dims.n) { c[i * dims.n + j] = acc; }
}
