"""Other tools' file formats, read as entry sources for the jobs and written from any backend.

* :mod:`.opencloudtools`: OpenCloudTools' SQLite "bulk download" (the format itself).
* :mod:`.opencloudtools_jobs`: ``dsm opencloudtools import`` / ``export`` as jobs.
"""
