"""A channel's subscription: the model and its grammar, the schedule, the replies to `channel`
subcommands, the service that carries them out, the form and the Home tab."""
