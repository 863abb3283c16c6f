"""The AIMI dataset package (loader, cache, download, interop).

Not built yet: the dataset issue builds it on top of ``collection`` (see ARCHITECTURE.md).
"""
