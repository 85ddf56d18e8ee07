"""Rehabilitation evidence (Qt-free): hectare targets as data, each plot's stage history and
acceptance acts, and green vegetation cover measured from repeat photos (Canopeo).

``records`` holds the synced records, ``stages`` the stage-history arithmetic, ``targets`` the
targets and their import, ``acceptance`` the commission's criteria checklist, ``cover`` the photo
cover method. SQL lives in ``pemdesk.storage.rehab``.
"""
