// jetActivation: activations in normalized Taylor arithmetic, and their adjoints.
// Included by the jet kernels, which define N1 (number of orders). A thread holds a
// neuron's whole series in function memory, so each call is O(N1^2) register work.
// JET is the element type: f32 (one neuron), or vec4f (four neurons side by side, the
// vec4 kernels: one loop runs four series at once).
//   tanh: y_k = (1/k) sum_{j=1..k} j a_j z_{k-j},  z_0 = 1 - y_0^2,  z_k = -sum_{i=0..k} y_i y_{k-i}
//   sin:  y_k = (1/k) sum_{j=1..k} j a_j w_{k-j},  w_k = -(1/k) sum_{j=1..k} j a_j y_{k-j}   (w = cos)
// The adjoints run the same recurrences backwards (reverse order of the forward statements),
// recomputing z / w from a, so only the pre-activation jets need to be stored.

// #include precise_math

alias Jet = {{JET}};

fn sincosJet(x : Jet) -> array<Jet, 2> { return sincos_{{JET}}(x); }

fn sincos_f32(x : f32) -> array<f32, 2> {
  let sc = sincosPrecise(x);
  return array<f32, 2>(sc.x, sc.y);
}

fn sincos_vec4f(x : vec4f) -> array<vec4f, 2> {
  var r : array<vec4f, 2>;
  for (var q = 0u; q < 4u; q++) {
    let sc = sincosPrecise(x[q]);
    r[0][q] = sc.x;
    r[1][q] = sc.y;
  }
  return r;
}

// Series of tanh(a) into y; its companion 1 - y^2 into z.
fn jetTanh(a : ptr<function, array<Jet, N1>>, y : ptr<function, array<Jet, N1>>, z : ptr<function, array<Jet, N1>>) {
  // clamp: tanh is exactly +-1 in f32 beyond 10, and some backends overflow exp() inside tanh
  (*y)[0] = tanh(clamp((*a)[0], Jet(-15.0), Jet(15.0)));
  (*z)[0] = 1.0 - (*y)[0] * (*y)[0];
  for (var k = 1u; k < N1; k++) {
    var s = Jet(0.0);
    for (var j = 1u; j <= k; j++) { s += f32(j) * (*a)[j] * (*z)[k - j]; }
    (*y)[k] = s / f32(k);
    var t = Jet(0.0);
    for (var i = 0u; i <= k; i++) { t += (*y)[i] * (*y)[k - i]; }
    (*z)[k] = -t;
  }
}

// Series of sin(a) into y and of cos(a) into w.
fn jetSin(a : ptr<function, array<Jet, N1>>, y : ptr<function, array<Jet, N1>>, w : ptr<function, array<Jet, N1>>) {
  let sc = sincosJet((*a)[0]);
  (*y)[0] = sc[0];
  (*w)[0] = sc[1];
  for (var k = 1u; k < N1; k++) {
    var s = Jet(0.0);
    var c = Jet(0.0);
    for (var j = 1u; j <= k; j++) {
      s += f32(j) * (*a)[j] * (*w)[k - j];
      c += f32(j) * (*a)[j] * (*y)[k - j];
    }
    (*y)[k] = s / f32(k);
    (*w)[k] = -c / f32(k);
  }
}

// Given a and the adjoint ybar of y = tanh-series(a), the adjoint of a (into abar).
fn jetTanhAdjoint(a : ptr<function, array<Jet, N1>>, ybar : ptr<function, array<Jet, N1>>, abar : ptr<function, array<Jet, N1>>) {
  var y : array<Jet, N1>;
  var z : array<Jet, N1>;
  var zbar : array<Jet, N1>;
  jetTanh(a, &y, &z);
  for (var k = N1 - 1u; k >= 1u; k--) {
    // z_k = -sum_i y_i y_{k-i}
    for (var i = 0u; i <= k; i++) { (*ybar)[i] -= 2.0 * zbar[k] * y[k - i]; }
    // y_k = (1/k) sum_j j a_j z_{k-j}
    let g = (*ybar)[k] / f32(k);
    for (var j = 1u; j <= k; j++) {
      (*abar)[j] += g * f32(j) * z[k - j];
      zbar[k - j] += g * f32(j) * (*a)[j];
    }
  }
  // z_0 = 1 - y_0^2, y_0 = tanh(a_0)
  (*ybar)[0] -= 2.0 * y[0] * zbar[0];
  (*abar)[0] += (*ybar)[0] * z[0];
}

fn jetSinAdjoint(a : ptr<function, array<Jet, N1>>, ybar : ptr<function, array<Jet, N1>>, abar : ptr<function, array<Jet, N1>>) {
  var y : array<Jet, N1>;
  var w : array<Jet, N1>;
  var wbar : array<Jet, N1>;
  jetSin(a, &y, &w);
  for (var k = N1 - 1u; k >= 1u; k--) {
    // w_k = -(1/k) sum_j j a_j y_{k-j}
    let gw = -wbar[k] / f32(k);
    // y_k = (1/k) sum_j j a_j w_{k-j}
    let gy = (*ybar)[k] / f32(k);
    for (var j = 1u; j <= k; j++) {
      (*abar)[j] += gw * f32(j) * y[k - j] + gy * f32(j) * w[k - j];
      (*ybar)[k - j] += gw * f32(j) * (*a)[j];
      wbar[k - j] += gy * f32(j) * (*a)[j];
    }
  }
  (*abar)[0] += (*ybar)[0] * w[0] - wbar[0] * y[0];
}
