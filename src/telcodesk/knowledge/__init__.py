"""Knowledge base and information editing 信息采编: articles, editorial review, Chinese search (KB-1, KB-2)."""
