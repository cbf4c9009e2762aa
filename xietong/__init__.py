"""Xietong (协同): collaboration workflows whose time limits are enforced in working time."""
