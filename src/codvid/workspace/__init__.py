"""A user's data as a whole, across the packages that own its parts: the project as the
client caches it (its fields, chats and reel tasks), the assistant's view of everything,
and deleting a project or an account with all it contains."""
