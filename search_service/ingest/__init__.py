"""Articles in: from records, files or the write API, through one writer, into the index.

    article          record -> Article   (validated; `normalize` applied once)
    fields           Article -> the writer's fields   (segmented, analyzed)
    outcomes         each article's Status; an ingest's Summary
    batches          the writer's side of an ingest: commits in growing batches
    pipeline         paths -> parallel workers -> writer -> Summary   (drains the queue too)
    write_queue      the write API's durable queue -> one writer, group commits
    committer        the writer process: queue -> one commit a refresh; merges
    publish          records of the write API -> validated -> queue -> Report

One process writes the index at a time, holding its lock (`index.writing`): the CLI's
ingest, or the service's writer process; each applies the write queue before anything else.
"""
