//! The deterministic numerics every backend reproduces bit for bit: our own `exp`/`ln`/SiLU
//! ([`math`]), the canonical matrix product ([`matmul`]), fixed-order sums ([`reduce`]) and the
//! counter-based random numbers that initialise weights and draw batches ([`rng`]).

pub mod math;
pub mod matmul;
pub mod reduce;
pub mod rng;
pub(crate) mod transpose;
