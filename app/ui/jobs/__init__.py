"""The job list: one row per item of every batch in the store, newest batch first.

`model.JobListModel` holds ItemSnapshots and forwards inserts and (coalesced) changes;
`filters.JobFilterProxy` narrows it; `delegate.JobDelegate` paints a row; `menu` builds the
context menu from an item's state; `summary` counts states and estimates the time left;
`banner.JobBanner` says when a batch is held (out of credit, key refused); `panel.JobListPanel`
puts them together.
"""
