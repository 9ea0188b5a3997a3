//! Bytes in and out: tensors and their canonical hash ([`tensor`]), safetensors files
//! ([`safetensors`]), the content-addressed store ([`store`]) and Hugging Face checkpoints
//! ([`import`]).

pub mod import;
pub mod safetensors;
pub mod store;
pub mod tensor;
