"""The quality desk: review, history, statistics, recipes, lots and administration views.

Every view here reads and writes the records through :class:`ui.desk.database.DeskDatabase`,
which runs core calls in one worker thread with its own database connection.
"""
