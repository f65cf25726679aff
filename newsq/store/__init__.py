"""The SQLite cache, the only place with SQL: one module per kind of data, gathered here so that
callers write `store.search(...)` wherever a function lives."""

from newsq.store.events import (
    context_neighbours as context_neighbours,
)
from newsq.store.events import (
    day_groups as day_groups,
)
from newsq.store.events import (
    event_by_id as event_by_id,
)
from newsq.store.events import (
    events_by_slug as events_by_slug,
)
from newsq.store.events import (
    events_by_slug_prefix as events_by_slug_prefix,
)
from newsq.store.events import (
    events_filtered as events_filtered,
)
from newsq.store.events import (
    events_with_context as events_with_context,
)
from newsq.store.events import (
    latest_events as latest_events,
)
from newsq.store.events import (
    links_by_prefix as links_by_prefix,
)
from newsq.store.events import (
    links_from as links_from,
)
from newsq.store.events import (
    links_to as links_to,
)
from newsq.store.events import (
    slugs_near as slugs_near,
)
from newsq.store.events import (
    slugs_of_day as slugs_of_day,
)
from newsq.store.events import (
    unique_prefix as unique_prefix,
)
from newsq.store.explore import (
    context_named as context_named,
)
from newsq.store.explore import (
    context_names as context_names,
)
from newsq.store.explore import (
    contexts as contexts,
)
from newsq.store.explore import (
    contexts_starting as contexts_starting,
)
from newsq.store.explore import (
    count_each as count_each,
)
from newsq.store.explore import (
    count_selected as count_selected,
)
from newsq.store.explore import (
    counted_span as counted_span,
)
from newsq.store.explore import (
    counts_by_day as counts_by_day,
)
from newsq.store.explore import (
    day_span as day_span,
)
from newsq.store.explore import (
    events_on_days as events_on_days,
)
from newsq.store.explore import (
    matched_days as matched_days,
)
from newsq.store.explore import (
    refresh_contexts as refresh_contexts,
)
from newsq.store.explore import (
    refresh_days as refresh_days,
)
from newsq.store.explore import (
    selected_contexts as selected_contexts,
)
from newsq.store.explore import (
    selected_events as selected_events,
)
from newsq.store.explore import (
    selected_links as selected_links,
)
from newsq.store.files import (
    days_of as days_of,
)
from newsq.store.files import (
    dir_count as dir_count,
)
from newsq.store.files import (
    dir_places as dir_places,
)
from newsq.store.files import (
    dir_snapshot as dir_snapshot,
)
from newsq.store.files import (
    dir_states as dir_states,
)
from newsq.store.files import (
    dirs_at as dirs_at,
)
from newsq.store.files import (
    dirs_in_turn as dirs_in_turn,
)
from newsq.store.files import (
    dirs_of_days as dirs_of_days,
)
from newsq.store.files import (
    dirs_under as dirs_under,
)
from newsq.store.files import (
    drop_files as drop_files,
)
from newsq.store.files import (
    file_keys as file_keys,
)
from newsq.store.files import (
    file_stats as file_stats,
)
from newsq.store.files import (
    files_at as files_at,
)
from newsq.store.files import (
    files_of_day as files_of_day,
)
from newsq.store.files import (
    paths_of_day as paths_of_day,
)
from newsq.store.files import (
    put_files as put_files,
)
from newsq.store.files import (
    put_files_fresh as put_files_fresh,
)
from newsq.store.files import (
    restat_files as restat_files,
)
from newsq.store.files import (
    save_dirs as save_dirs,
)
from newsq.store.files import (
    update_dirs as update_dirs,
)
from newsq.store.files import (
    warnings as warnings,
)
from newsq.store.schema import (
    SCHEMA_VERSION as SCHEMA_VERSION,
)
from newsq.store.schema import (
    StaleCache as StaleCache,
)
from newsq.store.schema import (
    check as check,
)
from newsq.store.schema import (
    connect as connect,
)
from newsq.store.schema import (
    counts as counts,
)
from newsq.store.schema import (
    create as create,
)
from newsq.store.schema import (
    create_indexes as create_indexes,
)
from newsq.store.schema import (
    finish_build as finish_build,
)
from newsq.store.schema import (
    forget_summary as forget_summary,
)
from newsq.store.schema import (
    mark_complete as mark_complete,
)
from newsq.store.schema import (
    mark_indexed as mark_indexed,
)
from newsq.store.schema import (
    meta as meta,
)
from newsq.store.schema import (
    save_summary as save_summary,
)
from newsq.store.schema import (
    save_warnings as save_warnings,
)
from newsq.store.schema import (
    saved_summary as saved_summary,
)
from newsq.store.schema import (
    saved_warnings as saved_warnings,
)
from newsq.store.schema import (
    transaction as transaction,
)
from newsq.store.search import (
    _FTS_ARGS as _FTS_ARGS,
)
from newsq.store.search import (
    fts_string as fts_string,
)
from newsq.store.search import (
    search as search,
)
from newsq.store.search import (
    term_exists as term_exists,
)
from newsq.store.search import (
    terms_between as terms_between,
)
from newsq.store.stage import (
    adopt_text as adopt_text,
)
from newsq.store.stage import (
    close_shards as close_shards,
)
from newsq.store.stage import (
    copy_shards as copy_shards,
)
from newsq.store.stage import (
    drop_days as drop_days,
)
from newsq.store.stage import (
    index_text as index_text,
)
from newsq.store.stage import (
    shard_path as shard_path,
)
from newsq.store.stage import (
    write_shard as write_shard,
)
from newsq.store.write import (
    delete_days as delete_days,
)
from newsq.store.write import (
    encode_event as encode_event,
)
from newsq.store.write import (
    group_of as group_of,
)
from newsq.store.write import (
    insert_events as insert_events,
)
from newsq.store.write import (
    rebuild_fts as rebuild_fts,
)
from newsq.store.write import (
    rebuild_vocab as rebuild_vocab,
)
from newsq.store.write import (
    replace_day as replace_day,
)
from newsq.store.write import (
    replace_events as replace_events,
)
from newsq.store.write import (
    track_vocab as track_vocab,
)
from newsq.store.write import (
    update_vocab as update_vocab,
)
