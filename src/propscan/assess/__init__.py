"""Article-level reading aids, computed from the detector's own encoder pass: how partisan an
article reads, and which of its sentences state claims worth checking."""
