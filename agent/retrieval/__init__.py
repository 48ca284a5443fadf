"""Partner guidance retrieval: documents chunked by heading, dense (MiniLM in Chroma) + BM25, fused, cited."""
