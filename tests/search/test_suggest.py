from search_service.search.suggest import suggest


def test_a_prefix_without_marks_suggests_titles(catalog):
    titles = [s.text for s in suggest(catalog, "hoi ng", limit=4)]
    assert titles and all(
        t.lower().startswith("hội nghị") or " hội nghị" in t.lower() for t in titles
    )


def test_suggestions_start_where_the_words_stand_together(catalog):
    assert (
        suggest(catalog, "giao ban c", limit=1)[0].text == "Giao ban công tác khoa giáo quý I/2025"
    )


def test_nothing_to_suggest(catalog):
    assert suggest(catalog, "   ") == []
    assert suggest(catalog, "zzzzqqq") == []
