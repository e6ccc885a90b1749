"""Projects: named workspaces of a user holding chats, AI memory and reel tasks."""
