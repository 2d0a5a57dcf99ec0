"""Demo case studies: the content as data files, and the loader that seeds them."""
