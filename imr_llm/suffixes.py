"""The one table of letter files by name: what `batch FOLDER/`, `imr_llm.parse(path)`, eval suites, the
web app and the loaders accept. Its own module with no imports, so the API, batch and evals use it without
loading the image libraries. (The loaders read a file by its bytes, whatever its name.)"""

TEXT_SUFFIXES = (".txt", ".text")
IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
LETTER_SUFFIXES = (*TEXT_SUFFIXES, ".pdf", *IMAGE_SUFFIXES)
