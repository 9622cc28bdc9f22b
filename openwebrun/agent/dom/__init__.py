"""The page-state serializer: in-page scripts and the Python that runs and stitches them."""
