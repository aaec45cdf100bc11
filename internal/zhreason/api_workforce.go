package zhreason

// workforceAPI words the refusals of package workforce.
var workforceAPI []Entry
