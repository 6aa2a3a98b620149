console.log('The dispatcher is not built yet: see issue 3.');
