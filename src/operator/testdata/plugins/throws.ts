// Fails while its module is evaluated.
throw new Error('the plugin could not read its configuration');
