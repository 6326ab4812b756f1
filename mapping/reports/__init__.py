"""The June map pack: snapshot contents, static map, poster, deck, offline HTML, overview."""
