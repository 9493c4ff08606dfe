// The real Llama-3 tokenizer and chat template (native HF tokenizers bindings), shared by vllm-sim
// and cache-manager so both tokenize exactly as vLLM does.
export * from './llama3-tokenizer';
