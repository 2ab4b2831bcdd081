"""Backup files on disk: what a folder of archives holds, and which ones a policy keeps."""
