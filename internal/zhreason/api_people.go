package zhreason

// peopleAPI words the refusals of the registry, accounts, regions and maps beyond the import's.
var peopleAPI []Entry
