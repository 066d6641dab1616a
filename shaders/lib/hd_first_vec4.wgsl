// hdFirstVec4: hdFirst (see hd_first.wgsl) for D and OUT multiples of 4, blocked 4 points x 4
// neurons a thread (hd_first_block.wgsl), reading W and the points as vec4.
// #include hd_common

const D : u32 = {{D}}u;
const D4 : u32 = D / 4u;
const B : u32 = {{B}}u;
const OUT : u32 = {{OUT}}u;
const B_OFF : u32 = {{B_OFF}}u;   // W at offset 0: the first layer starts the parameter vector

@group(0) @binding(0) var<storage, read> params : array<vec4f>;
@group(0) @binding(1) var<storage, read> x : array<vec4f>;
@group(0) @binding(2) var<storage, read> idx : array<u32>;
@group(0) @binding(3) var<storage, read_write> pre : array<f32>;
@group(0) @binding(4) var<storage, read_write> outp : array<f32>;
@group(0) @binding(5) var<uniform> count : vec4u;

fn param(i : u32) -> f32 { return params[i / 4u][i % 4u]; }
fn weight(m : u32, i : u32) -> f32 { return param(m * D + i); }
fn xQuad(p : u32, j4 : u32) -> vec4f { return x[p * D4 + j4]; }
fn wQuad(m : u32, j4 : u32) -> vec4f { return params[m * D4 + j4]; }
// D is a multiple of 4: no tail
fn xTail(p : u32) -> vec4f { return vec4f(0.0); }
fn wTail(m : u32) -> vec4f { return vec4f(0.0); }

// #include hd_first_block
