"""Content questions: what a person typed or pressed, which topic, event or development it names
(lookup, search), the replies that answer it, and the summits calendar."""
