"""Knowledge base 信息采编: articles, editorial review, Chinese search (KB-1, KB-2, CC-3)."""
