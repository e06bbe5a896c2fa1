"""Who is speaking: attributions (source, cue, content) in an article, and the voice of each
technique span (the author's own, or quoted)."""
