"""What a trainer does to the corpus: add, bind, check, mark repealed, remove (the catalog), and the
one service the CLI and the app both go through. It sits above parsing and indexing: it parses a
document to report on it and reads which index version holds it."""
