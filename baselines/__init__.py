"""The models of the paper (IMI without and with Source Image Masking) and beyond.

Not built yet: the training issue builds them (see ARCHITECTURE.md).
"""
