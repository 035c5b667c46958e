"""What the project publishes from the guide: a catalog of the features and their cassettes, and exports of it."""
