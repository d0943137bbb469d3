"""Theme and priority classification: corpus, features, training, evaluation, model store."""
