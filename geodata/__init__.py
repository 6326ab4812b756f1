from pathlib import Path

# The data files shipped with the package (their sources: geodata/SOURCES.md).
FILES = Path(__file__).resolve().parent / "files"
